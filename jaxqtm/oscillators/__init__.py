"""oscillators component of jaxqtm."""
