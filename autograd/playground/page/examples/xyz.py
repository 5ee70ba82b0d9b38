# f = x·y·z
from autograd import Value, draw, explain

x = Value(-2.0, label="x")
y = Value(5.0, label="y")
z = Value(-4.0, label="z")
f = x * y * z
f.label = "f"
f.backward()

# By hand: ∂f/∂x = y·z, ∂f/∂y = x·z, ∂f/∂z = x·y
print(f"∂f/∂x = {x.grad:g}   (y·z = {5.0 * -4.0:g})")
print(f"∂f/∂y = {y.grad:g}   (x·z = {-2.0 * -4.0:g})")
print(f"∂f/∂z = {z.grad:g}   (x·y = {-2.0 * 5.0:g})")

display(explain(f))
draw(f, edge_labels=True)
