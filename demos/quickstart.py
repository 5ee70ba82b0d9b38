"""The chain rule on one neuron: forward, backward, and every gradient.

Run: python -m demos.quickstart
"""

from autograd import Value


def main() -> None:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    out = n.tanh()
    out.backward()
    print(f"out = tanh(x1*w1 + x2*w2 + b) = {out.data:.4f}")
    print(f"d out/d n = 1 - out**2 = {n.grad:.4f}")
    for leaf in (x1, x2, w1, w2, b):
        print(f"d out/d {leaf.label:2} = {leaf.grad:+.4f}")


if __name__ == "__main__":
    main()
