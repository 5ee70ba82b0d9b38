import pathlib
import sys

# The shared table of operations lives beside the tests.
sys.path.insert(0, str(pathlib.Path(__file__).parent))
