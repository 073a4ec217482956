-- Where a vehicle's electrical facts (voltage, phases, max_amps) came from, so that the planner knows whether they
-- bound its draw.
--
-- A vendor sync enrols vehicles with the schema's defaults (240 V, 1 phase, 32 A): Smartcar reports no supply, and
-- an EU car on 230 V × 3 phases × 32 A draws 22 kW, three times the default's 7.68 kW. Under a capacity limit the
-- planner budgets a vehicle it cannot command, and one without a power reading, at its maximum draw; with 'assumed'
-- facts it budgets the conservative bound instead (PlanningPolicy.unconfirmedKWPerAmp), so the cap still holds.
--   assumed  — the defaults; nobody said
--   vendor   — learned from the vendor's own readings (Tesla vehicle_data: charger_voltage, charger_phases,
--              charge_current_request_max)
--   operator — given by an operator at enrolment, import or PATCH; a vendor reading never overwrites it
ALTER TABLE vehicles ADD COLUMN electrical_source text NOT NULL DEFAULT 'assumed'
    CHECK (electrical_source IN ('assumed', 'vendor', 'operator'));

-- Existing rows: a sync only ever wrote the defaults, so facts that differ from them were an operator's.
UPDATE vehicles SET electrical_source = 'operator' WHERE (voltage, phases, max_amps) <> (240, 1, 32);
