"""PAdES signatures on letters (issue 18): the agency's own CA, the users' signing
certificates, the commander's certification signature and the registry's approval one."""
