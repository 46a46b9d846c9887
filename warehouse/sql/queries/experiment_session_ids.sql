-- Sessions with an impression or click of one experiment (after experiment_events.sql). Grain: session.
SELECT DISTINCT session_id FROM exp_events ORDER BY session_id
