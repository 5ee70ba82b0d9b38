# sin(x²): the chain rule
import math

from autograd import Value, draw, explain

x = Value(1.5, label="x")
u = x**2
u.label = "u"
f = u.sin()
f.label = "f"
f.backward()

print("the engine:       ∂f/∂x =", x.grad)
print("by hand, cos(x²)·2x =", math.cos(1.5**2) * 2 * 1.5)

display(explain(f))
draw(f, edge_labels=True)
