import pytest


@pytest.fixture(autouse=True)
def _editions_storage(settings, tmp_path):
    """The editions' files of each test in a directory of its own, never the site's."""
    settings.STORAGES = {
        **settings.STORAGES,
        "editions": {
            "BACKEND": "editions.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "editions")},
        },
    }
