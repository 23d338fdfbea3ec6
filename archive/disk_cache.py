"""The cache shared by a server's processes (CACHE_DIR): DiskCache, kept open.

Django closes every cache when a request finishes (`close_caches` on
request_finished): right for a network client, wasteful here. DiskCache's close
shuts its SQLite files, so every request would open them again and repeat their
pragmas — about 1.5 ms a request, more than the rest of reading a kept page. Its
connections belong to one thread and are safe to keep between requests (as they
are between the reads of one request), so closing is left to the process's end.
"""

from __future__ import annotations

from diskcache import DjangoCache


class KeptOpenDiskCache(DjangoCache):
    def close(self, **kwargs) -> None:
        """Nothing to do between requests (see the module)."""
