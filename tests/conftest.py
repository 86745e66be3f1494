import jax

import jaxqtm  # noqa: F401  (enables float64)

jax.config.update("jax_enable_x64", True)
