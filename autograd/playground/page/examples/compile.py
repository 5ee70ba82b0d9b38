# compile: the graph as straight-line Python
import autograd


def neuron(x, w, b):
    return (x * w + b).tanh()


g = autograd.compile(neuron)
value, gradients = g(2.0, -3.0, 6.88)
print("value:", value)
print("gradients:", gradients)
g
