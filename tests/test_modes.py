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


# ----------------------------------------------------------------------
# Grad modes are per asyncio task (Jupyter runs cells as tasks), and the
# decorators cover generators and coroutines, or refuse them.


def _records(v):
    return v.inputs != ()


def test_no_grad_in_one_task_leaves_another_task_recording():
    import asyncio

    seen = {}

    async def evaluating(entered, may_leave):
        with no_grad():
            entered.set()
            await may_leave.wait()
            seen["inside"] = _records(Value(1.0) * 2)

    async def training(entered, may_leave):
        await entered.wait()
        seen["other task"] = _records(Value(1.0) * 2)
        seen["other task enabled"] = autograd.is_grad_enabled()
        may_leave.set()

    async def main():
        entered, may_leave = asyncio.Event(), asyncio.Event()
        await asyncio.gather(evaluating(entered, may_leave), training(entered, may_leave))

    asyncio.run(main())
    assert seen == {"inside": False, "other task": True, "other task enabled": True}


def test_a_task_started_inside_no_grad_keeps_it_after_its_parent_leaves():
    import asyncio

    async def child(go):
        await go.wait()
        return _records(Value(1.0) * 2), autograd.is_grad_enabled()

    async def main():
        go = asyncio.Event()
        with no_grad():
            task = asyncio.create_task(child(go))  # copies the context: no_grad
        parent = _records(Value(1.0) * 2)
        go.set()
        return parent, await task

    assert asyncio.run(main()) == (True, (False, False))
    assert _records(Value(1.0) * 2)


def test_anomaly_mode_in_one_task_leaves_another_task_alone():
    import asyncio

    async def debugging(entered, may_leave):
        with detect_anomaly():
            entered.set()
            await may_leave.wait()

    async def other(entered, may_leave):
        await entered.wait()
        try:
            return autograd.is_anomaly_enabled(), math.isnan((Value(math.inf) - math.inf).data)
        finally:
            may_leave.set()

    async def main():
        entered, may_leave = asyncio.Event(), asyncio.Event()
        return (await asyncio.gather(debugging(entered, may_leave), other(entered, may_leave)))[1]

    assert asyncio.run(main()) == (False, True)  # NaN made, no AnomalyError in the other task


def test_no_grad_on_a_generator_covers_its_whole_body():
    @no_grad
    def squares(x):
        for _ in range(3):
            y = x * x
            assert not autograd.is_grad_enabled()
            yield y

    x = Value(3.0)
    made = []
    for y in squares(x):
        made.append(y)
        assert autograd.is_grad_enabled()  # the caller, between items, still records
        assert _records(x * 2)
    assert [y.data for y in made] == [9.0, 9.0, 9.0]
    assert not any(_records(y) for y in made)


def test_a_decorated_generator_passes_sent_values_thrown_errors_and_its_return_value():
    @no_grad()
    def echo():
        received = []
        try:
            while True:
                received.append((yield Value(len(received)) * 2))
        except KeyError:
            return received

    gen = echo()
    first = next(gen)
    assert first.data == 0.0 and not _records(first)
    assert gen.send("a").data == 2.0
    with pytest.raises(StopIteration) as stop:
        gen.throw(KeyError("done"))
    assert stop.value.value == ["a"]
    assert autograd.is_grad_enabled()


def test_enable_grad_on_a_generator_records_inside_no_grad():
    @autograd.enable_grad
    def made(x):
        yield x * 2

    with no_grad():
        (y,) = list(made(Value(1.0)))
        assert not autograd.is_grad_enabled()
    assert _records(y)


def test_no_grad_on_a_coroutine_covers_its_whole_body_and_no_other_task():
    import asyncio

    @no_grad
    async def evaluate(x, entered, may_leave):
        y = x * 2
        entered.set()
        await may_leave.wait()
        return y, x * 3, autograd.is_grad_enabled()

    async def other(entered, may_leave):
        await entered.wait()
        try:
            return _records(Value(1.0) * 2)
        finally:
            may_leave.set()

    async def main():
        entered, may_leave = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(evaluate(Value(1.0), entered, may_leave), other(entered, may_leave))

    (before, after, enabled), other_records = asyncio.run(main())
    assert (_records(before), _records(after), enabled, other_records) == (False, False, False, True)


def test_a_decorated_coroutine_is_still_a_coroutine_function():
    import inspect

    @no_grad
    async def f():
        return 1

    assert inspect.iscoroutinefunction(f)


def test_an_async_generator_is_refused():
    async def items():
        yield 1

    for switch in (no_grad, autograd.enable_grad, detect_anomaly):
        with pytest.raises(TypeError, match="async generator"):
            switch(items)


@pytest.mark.parametrize("switch, inside", [(no_grad, False), (autograd.enable_grad, True)],
                         ids=["no_grad", "enable_grad"])
@pytest.mark.parametrize("outer", [True, False], ids=["from-recording", "from-no_grad"])
def test_a_decorated_function_that_raises_restores_the_mode(switch, inside, outer):
    @switch
    def fails():
        assert autograd.is_grad_enabled() is inside
        raise KeyError("inside")

    with autograd.enable_grad() if outer else no_grad():
        with pytest.raises(KeyError):
            fails()
        assert autograd.is_grad_enabled() is outer
        assert _records(Value(1.0) * 2) is outer
    assert autograd.is_grad_enabled()


def test_a_decorated_generator_that_raises_restores_the_mode():
    @no_grad
    def fails():
        yield 1
        raise KeyError("inside")

    gen = fails()
    next(gen)
    with pytest.raises(KeyError):
        next(gen)
    assert autograd.is_grad_enabled()


def test_detect_anomaly_as_a_decorator_restores_the_mode_when_it_raises():
    @detect_anomaly
    def fails():
        assert autograd.is_anomaly_enabled()
        raise KeyError("inside")

    with pytest.raises(KeyError):
        fails()
    assert not autograd.is_anomaly_enabled()
