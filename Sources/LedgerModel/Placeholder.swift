// LedgerModel
