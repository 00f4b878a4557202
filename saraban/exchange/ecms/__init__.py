"""e-CMS: the government's correspondence exchange (DGA), SOAP 1.1 / TH e-GIF XML.

Beside saraban-exchange/1, not instead of it. What is known of the wire format is in the
project's shared/ecms/SPEC.md (read from two public clients; no DGA WSDL or XSD exists in
public), so the modules here are written against that evidence:

- ``messages``: the typed results (frozen dataclasses) and the errors;
- ``codec``: a strict writer and a tolerant reader for every operation, on a hardened parser;
- ``signature``: XML-DSig over ``#Letter`` (verify; signing off by default);
- ``client``: the HTTP client for this agency's own node.

No database and no Flask: the outbox worker and the mapping to our documents come next.
"""
