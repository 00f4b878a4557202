"""e-CMS: the government's correspondence exchange (DGA), SOAP 1.1 / TH e-GIF XML.

Beside saraban-exchange/1, not instead of it. What is known of the wire format is in the
project's shared/ecms/SPEC.md (read from two public clients; no DGA WSDL or XSD exists in
public), so the modules here are written against that evidence:

- ``messages``: the typed results (frozen dataclasses) and the errors;
- ``codec``: a strict writer and a tolerant reader for every operation, on a hardened parser;
- ``signature``: XML-DSig over ``#Letter`` (verify; signing off by default);
- ``client``: the HTTP client for this agency's own node.

No database and no Flask: the outbox worker and the mapping to our documents come next.

What SPEC.md leaves unknown, and what the code does about each:

- ``ErrorDetail``: its wrapper and child names. Found anywhere in any response, children read by
  position (code, description) unless named ``ErrorCode``/``ErrorDescription``; a SOAP Fault is
  read the same way. Any HTTP status.
- ``ProcessID``/``ProcessTime``/``AcceptDate``/``ECMSTime`` formats and ``ProcessStatus`` values:
  kept as the text sent (opaque), with a best-effort ISO parse beside it; never refused.
- The empty-queue form of ``CorrespondenceLetterInboundResponse``: an element with no child
  elements and no text (or no element at all) is "empty". An item with a ProcessID but content we
  do not know is returned as such, so that it can be stored and deleted rather than pulled forever.
- The ministry list shape (repeated ``MinistryOrganizationList`` or one wrapper) and the other
  lists' wrappers: items are found by the child that names them (``MinistryID``,
  ``OrganizationID``, ``Value``, ``Content-type``, ``ProcessStatus``) wherever they are.
- ``TimeCheckRequest``'s response wrapper: ``ECMSTime`` is found anywhere in the body.
- The special re-request's response: read as a pull (``CorrespondenceLetterInboundResponse``).
- ``File-Extension`` with or without its dot: the dot is dropped, the extension lowercased.
- SecretCode/SpeedCode tables: the codec carries the codes as text and never invents them; the
  mapping from our levels (and refusing ลับที่สุด) belongs to the mapping layer, on tables
  fetched from the node.
- Whether a node needs mil-doc's empty placeholders: we never write them (both clients' receivers
  skip them), we read them.
- ``SendDate``: written as mil-doc does (``yyyy-MM-ddTHH:mm:ss``, Bangkok time, no offset); read
  as a date-time or a date (BOI).
- Signatures: algorithms, Transforms, trust anchor and whether the Body is signed: see
  ``signature.py`` (verified over ``#Letter`` only; SHA-1 only on request; trusted only against
  certificates the caller gives).
- Sizes: no node limit is known. A file is capped at 7 MiB so its base64 fits one parser text node
  (``codec.MAX_FILE_BYTES``), a message at 40 MiB.
- ``SOAPAction``: neither client sends one; we send none unless configured.
"""
