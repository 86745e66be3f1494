"""rotor component of jaxqtm."""
