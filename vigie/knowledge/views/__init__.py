"""Views of the knowledge base: staff pages, the ticket page's suggestions, the portal."""
