"""pccreport: reproducible quarterly Police and Crime Plan performance reports."""

__version__ = "0.1.0"
