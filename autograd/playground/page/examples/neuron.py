# A neuron: tanh(w₁x₁ + w₂x₂ + b)
from autograd import Value, draw

x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
n = x1 * w1 + x2 * w2 + b
n.label = "n"
o = n.tanh()
o.label = "o"
o.backward()

# Every weight's gradient is (1 − o²) times the input it multiplies.
for v in (w1, w2, b):
    print(f"∂o/∂{v.label} = {v.grad:.4f}")
draw(o, edge_labels=True)
