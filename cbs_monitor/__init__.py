"""CBS Monitor: the delivery portal of the Gemeentelijke Monitor Sociaal Domein."""
