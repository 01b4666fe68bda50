"""Machine metrics: storage, downsampling, retention and the series that graphs read."""
