"""A password hasher that counts what it computes, for tests that set it in PASSWORD_HASHERS."""

from django.contrib.auth.hashers import MD5PasswordHasher


class CountingPasswordHasher(MD5PasswordHasher):
    """MD5 (the suite's fast hasher) that counts every hash it computes, checks included."""

    computed = 0

    def encode(self, password, salt):
        CountingPasswordHasher.computed += 1
        return super().encode(password, salt)
