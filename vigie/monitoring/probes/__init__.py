"""Agentless probes run by ``vigie probe``: HTTP(S), TCP, ICMP, TLS, DNS and domain expiry."""
