"""fcs component of jaxqtm."""
