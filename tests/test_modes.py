"""no_grad, enable_grad and anomaly detection."""

import math

import pytest

import autograd
from autograd import AnomalyError, Value, detect_anomaly, no_grad


def test_results_under_no_grad_record_nothing():
    a, b = Value(2.0), Value(3.0)
    with no_grad():
        c = (a * b).tanh()
    assert c.inputs == () and c.op == ""
    assert c.data == math.tanh(6.0)


def test_no_grad_as_a_decorator():
    @no_grad()
    def forward(x):
        return x * x

    assert forward(Value(2.0)).inputs == ()
    assert autograd.is_grad_enabled()


def test_no_grad_restores_recording_after_an_exception():
    with pytest.raises(ValueError):
        with no_grad():
            Value(-1.0).log()
    assert autograd.is_grad_enabled()
    assert (Value(1.0) * 2).inputs != ()


def test_enable_grad_inside_no_grad_records():
    with no_grad():
        with autograd.enable_grad():
            c = Value(1.0) * 2
        d = Value(1.0) * 2
    assert c.inputs != () and d.inputs == ()


def test_anomaly_mode_names_the_operation_that_first_makes_nan():
    a = Value(math.inf, label="a")
    with detect_anomaly():
        b = a * 2  # inf, not NaN: fine
        with pytest.raises(AnomalyError, match="'-'"):
            b - b  # inf - inf
    assert not autograd.is_anomaly_enabled()


def test_anomaly_mode_ignores_nan_that_came_in_as_data():
    with detect_anomaly():
        c = Value(math.nan) + 1
    assert math.isnan(c.data)


def test_anomaly_mode_names_the_backward_step_that_makes_nan():
    x = Value(0.0, label="x")
    with detect_anomaly():
        y = x.sqrt()  # slope at 0 is infinite
        z = y * 0.0
        with pytest.raises(AnomalyError, match="sqrt") as excinfo:
            z.backward()  # 0 * inf = NaN on the edge sqrt -> x
    assert "test_modes.py" in str(excinfo.value)  # where the node was created


def test_without_anomaly_mode_nan_gradients_propagate_silently():
    x = Value(0.0)
    (x.sqrt() * 0.0).backward()
    assert math.isnan(x.grad)


def test_a_backward_stopped_by_anomaly_mode_gives_back_earlier_gradients():
    x = Value(0.0, label="x")
    w = Value(3.0, label="w")
    (w * 2).backward()  # w.grad = 2 from an earlier, finished backward
    with detect_anomaly():
        z = (x.sqrt() + w) * 0.0
        with pytest.raises(AnomalyError):
            z.backward()
    assert w.grad == 2.0  # this backward added 0 * 1 before it stopped
