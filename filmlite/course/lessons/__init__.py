"""The course's measurements (`from filmlite.course import lessons as course`); being split by topic into this folder."""
from .translation import *  # noqa: F403
