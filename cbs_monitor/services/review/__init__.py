"""The CBS reviewer's desk (/cbs): one module per job."""
