# Sliders: move w and watch ∂L/∂x follow
import autograd


def neuron(x=2.0, w=-3.0, b=6.88):
    return (x * w + b).tanh()


autograd.interact(neuron, x=(-2, 2), w=(-3, 3), b=(-8, 8))
