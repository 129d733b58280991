import WarehouseCLI

await WarehouseCommand.start()
