"""Checking the course's exercises against filmlite's own implementation.

In the notebooks a learner writes one stage of FILM themselves (the image pyramid, the cascade, the warp, the
coarse-to-fine loop, the Gram matrix, ...) as a function that starts out as

    def my_warp(image, flow):
        raise NotImplementedError  # your code here

and hands it to `check_exercise(my_warp, filmlite.warp, image, flow)`. The checker runs both on the same
inputs and compares the answers, tensor by tensor, down to shapes and values. It never stops the notebook:

* not written yet (`NotImplementedError`): says so and hands back the reference answer, so "Run all" still
  reaches the end and every later cell has what it needs;
* raises another error, or answers differently: says what went wrong (the first difference, with its place in
  nested lists) and hands back the reference answer too;
* right: says so and hands back the learner's answer.

The inputs are copied before the learner's function sees them, so an exercise that modifies its arguments in
place cannot spoil the reference answer or the rest of the notebook.
"""
from __future__ import annotations

import copy
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch

CORRECT, UNSOLVED, WRONG, ERROR = "correct", "unsolved", "wrong", "error"


@dataclass
class ExerciseResult:
    """What `check_exercise` found. `value` is what the rest of the notebook should use: the learner's answer
    when it is right, else the reference answer."""

    status: str
    value: Any
    message: str

    @property
    def passed(self) -> bool:
        return self.status == CORRECT


def _name(fn: Callable) -> str:
    module = getattr(fn, "__module__", None)
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)
    return f"{module}.{name}" if module and module.startswith("filmlite") else name


def compare(got: Any, expected: Any, atol: float = 1e-5, rtol: float = 1e-4, where: str = "the answer") -> str | None:
    """None if `got` matches `expected`, else a sentence naming the first difference.

    Tensors must agree in shape and (to `atol` + `rtol` * |expected|) in value; lists and tuples in length and
    item by item; dicts in keys and value by value; anything else by `==`.
    """
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return f"{where} should be a tensor of shape {tuple(expected.shape)}, got a {type(got).__name__}"
        if got.shape != expected.shape:
            return f"{where} has shape {tuple(got.shape)}, expected {tuple(expected.shape)}"
        g, e = got.detach().float().cpu(), expected.detach().float().cpu()
        if torch.isnan(g).any() and not torch.isnan(e).any():
            return f"{where} contains NaN"
        if not torch.allclose(g, e, atol=atol, rtol=rtol):
            diff = (g - e).abs()
            index = tuple(int(i) for i in torch.nonzero(diff == diff.max())[0])
            return (f"{where} differs by up to {float(diff.max()):.3g} (at index {index}: "
                    f"{float(g[index]):.5g} instead of {float(e[index]):.5g})")
        return None
    if isinstance(expected, (list, tuple)):
        if not isinstance(got, (list, tuple)):
            return f"{where} should be a {type(expected).__name__} of {len(expected)} items, got a {type(got).__name__}"
        if len(got) != len(expected):
            return f"{where} has {len(got)} items, expected {len(expected)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            problem = compare(g, e, atol, rtol, f"{where}[{i}]")
            if problem:
                return problem
        return None
    if isinstance(expected, Mapping):
        if not isinstance(got, Mapping):
            return f"{where} should be a dict, got a {type(got).__name__}"
        if set(got) != set(expected):
            return f"{where} has keys {sorted(map(str, got))}, expected {sorted(map(str, expected))}"
        for key in expected:
            problem = compare(got[key], expected[key], atol, rtol, f"{where}[{key!r}]")
            if problem:
                return problem
        return None
    if isinstance(expected, float) and isinstance(got, (int, float)):
        return None if abs(got - expected) <= atol + rtol * abs(expected) else f"{where} is {got}, expected {expected}"
    return None if got == expected else f"{where} is {got!r}, expected {expected!r}"


def check_exercise(user_fn: Callable, reference_fn: Callable, *args, atol: float = 1e-5, rtol: float = 1e-4,
                   verbose: bool = True, **kwargs) -> ExerciseResult:
    """Run the learner's `user_fn` and filmlite's `reference_fn` on the same arguments and compare.

    Returns an `ExerciseResult` (and prints its message unless `verbose=False`); use `.value` from then on.
    """
    with torch.no_grad():
        expected = reference_fn(*args, **kwargs)
    mine, ref = getattr(user_fn, "__name__", "your function"), _name(reference_fn)
    try:
        with torch.no_grad():
            got = user_fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    except NotImplementedError:
        result = ExerciseResult(UNSOLVED, expected,
                                f"[exercise] {mine} is not written yet (it raises NotImplementedError). Using "
                                f"{ref} instead, so the rest of the notebook runs. Write it and run this cell again.")
    except Exception as error:  # the learner's bug must not stop "Run all"
        last = traceback.extract_tb(error.__traceback__)[-1]
        result = ExerciseResult(ERROR, expected,
                                f"[exercise] {mine} raised {type(error).__name__}: {error} (line {last.lineno}: "
                                f"{last.line}). Using {ref} instead for now.")
    else:
        problem = compare(got, expected, atol, rtol)
        if problem is None:
            result = ExerciseResult(CORRECT, got, f"[exercise] Correct: {mine} gives the same answer as {ref}.")
        else:
            result = ExerciseResult(WRONG, expected,
                                    f"[exercise] Not yet: {problem}. Using {ref} instead for now; compare with "
                                    f"inspect.getsource({ref.rsplit('.', 1)[-1]}) if you are stuck.")
    if verbose:
        print(result.message)
    return result
