# The delta rule, checked against backward()
from nn import MLP, deltas, mse_loss

model = MLP(2, [3, 1], activation="tanh", seed=0)
x, target = [0.5, -1.0], 1.0

# The engine: one graph, backward() one edge at a time.
loss = mse_loss([model(x)], [target])
loss.backward()

# The delta rule: δ⁽ˡ⁾ layer by layer, on plain numbers.
view = deltas(model, x, target, loss="mse")
first = model.layers[0].neurons[0].w[0]
print(f"∂L/∂w₁₁⁽¹⁾: backward() {first.grad:.6f}, delta rule {view.grad_W[0][0][0]:.6f}")
view
