"""Problems, their incidents, root cause, workaround and known errors."""
