from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "inventory"
    # Permissions each role needs in this app ("app_label.codename"); see fleetops.roles.
    role_permissions: dict[str, list[str]] = {
        "Triage staff": [
            "inventory.view_dashboard",
            "inventory.view_inventoryexception",
            "inventory.change_inventoryexception",
            "inventory.resolve_inventoryexception",
            "inventory.export_inventoryexception",
            "inventory.view_vehicle",
            "inventory.export_vehicle",
            "inventory.view_sourcerecord",
            "inventory.view_feedimport",
            "inventory.view_feedissue",
            "inventory.export_feedissue",
            "inventory.view_probablematch",
            "inventory.change_probablematch",
            "inventory.view_reconciliationrun",
            "inventory.add_reconciliationrun",
        ],
        "Managers": [
            "inventory.view_dashboard",
            "inventory.view_inventoryexception",
            "inventory.export_inventoryexception",
            "inventory.view_vehicle",
            "inventory.view_sourcerecord",
            "inventory.view_feedimport",
            "inventory.view_feedissue",
            "inventory.view_probablematch",
            "inventory.view_reconciliationrun",
            "inventory.view_inventorysettings",
            "inventory.change_inventorysettings",
            # the store aliases, reference data read at each import, kept with the settings
            "inventory.view_storealias",
            "inventory.add_storealias",
            "inventory.change_storealias",
            "inventory.delete_storealias",
            "inventory.import_storealias",
            "inventory.export_storealias",
        ],
        "Clerks": [
            "inventory.view_feedimport",
            "inventory.import_feedimport",
            "inventory.view_feedissue",
            "inventory.export_feedissue",  # the rejected rows, sent back to the source
            "inventory.view_feedupload",
            "inventory.add_feedupload",
            "inventory.change_feedupload",
            "inventory.view_vehicle",
            "inventory.export_vehicle",
            "inventory.view_inventoryexception",
        ],
    }
