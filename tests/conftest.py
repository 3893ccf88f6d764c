import pytest
import torch

from symbiosis.data.datasets import Split
from symbiosis.primary.models import PrimaryArch, PrimaryCNN

TINY = PrimaryArch(conv1=4, conv2=6, fc1=12)


@pytest.fixture
def tiny_arch() -> PrimaryArch:
    return TINY


@pytest.fixture
def tiny_model() -> PrimaryCNN:
    torch.manual_seed(0)
    return PrimaryCNN(TINY).eval()


@pytest.fixture(scope="session")
def mnist5k() -> Split:
    from symbiosis.data.datasets import load_mnist5k

    return load_mnist5k(seed=0, test_size=1000)


def random_digits(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """n random uint8 images [n, 1, 28, 28] and labels cycling through the ten classes (the same for a seed)."""
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, 1, 28, 28), generator=g, dtype=torch.uint8), torch.arange(n) % 10


@pytest.fixture
def digits():
    return random_digits
