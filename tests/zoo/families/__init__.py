"""One module per architecture family, each with its model classes and builders.

A family module imports torch; :data:`zoo.BUILDERS` imports it on first use. The
modules are not re-exported here (``zoo`` re-exports their public names lazily), so
that ``zoo.families.alexnet`` stays the module and ``zoo.alexnet`` the builder.
"""

__all__: list[str] = []
