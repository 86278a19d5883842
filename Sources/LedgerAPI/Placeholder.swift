// LedgerAPI
