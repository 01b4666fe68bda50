"""Suppliers, contracts and software licences of each client."""
