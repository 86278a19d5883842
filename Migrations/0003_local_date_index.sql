-- Casualties and strike lists for every city filter on local_date alone.
CREATE INDEX strikes_local_date ON strikes (local_date);
