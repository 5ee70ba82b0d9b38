# Moons: train a small MLP and watch the loss fall
from nn import MLP, SGD, accuracy, fit, hinge_loss, linear_decay, make_moons

X, y = make_moons(100, noise=0.1, seed=1337)
model = MLP(2, [16, 16, 1], activation="relu", seed=0)
history = fit(model, X, y, loss=hinge_loss, optimizer=SGD(model.parameters(), lr=1.0),
              epochs=60, l2=1e-4, schedule=linear_decay(1.0, 0.1), compile=True)
print(f"training accuracy: {accuracy(model, X, y):.0%}")
