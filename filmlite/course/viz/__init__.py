"""The course's pictures (`from filmlite.course import viz`); they are being split by topic into this folder."""
from .flow import *  # noqa: F403
from .flow import _flow_array  # noqa: F401 (evidence.py reads flows through it)
