# A network as the lecture draws it, layer by layer
import autograd
from autograd import draw
from nn import MLP, mse_loss

# The first homework's network: 2 inputs, 2 tanh units, 1 sigmoid output, no bias.
model = MLP(2, [2, 1], activation="tanh", output_activation="sigmoid", bias=False, seed=0)
x, y = [1.5, -0.5], 1.0
L = mse_loss([model(x)], [y])
L.backward()

# Each neuron shows z, a = g(z) and δ = ∂L/∂z; each arrow a weight w⁽ˡ⁾ᵢⱼ and ∂L/∂w.
display(draw(L, style="network"))

# The delta rule one layer a step; click a δᵢ for the scalar steps that make it.
autograd.stepper(L, layers=True)
