"""GLPI Agent intake: its JSON protocol over HTTP (CONTACT, inventory), mapped to ``apply_inventory``."""
