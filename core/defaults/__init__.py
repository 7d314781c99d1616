"""The core's own default plugins (form field types, block kinds, the CSV export): plugin
modules like any other, registered first so that any other plugin can add to them."""
