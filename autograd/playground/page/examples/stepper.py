# The stepper: backward one edge at a time
import autograd
from autograd import Value

a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
e = a * b
e.label = "e"
d = e + c
d.label = "d"
f = Value(-2.0, label="f")
L = d * f
L.label = "L"

# quiz=True asks for each number before it shows it.
autograd.stepper(L, quiz=False)
