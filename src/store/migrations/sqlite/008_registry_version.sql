-- 008 the registry version: one number that moves whenever anything a person's record
-- shows may have changed (persons, relations, regions, units, relation kinds), whichever
-- process or connection changed it. The server caches rendered person records and serves
-- a cached one only while this number stands (src/store/person_cache.c); triggers, not the
-- store's code paths, move it, so no write can forget to. A bulk load writes its persons
-- and relations as pages, where no trigger fires, and moves the number once at the end
-- (src/store/bulk.c).
CREATE TABLE registry_version (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  n  INTEGER NOT NULL
);
INSERT INTO registry_version (id, n) VALUES (1, 0);
CREATE TRIGGER registry_v_persons_ins AFTER INSERT ON persons BEGIN UPDATE registry_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER registry_v_persons_upd AFTER UPDATE ON persons BEGIN UPDATE registry_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER registry_v_persons_del AFTER DELETE ON persons BEGIN UPDATE registry_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER registry_v_relations_ins AFTER INSERT ON relations BEGIN UPDATE registry_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER registry_v_relations_upd AFTER UPDATE ON relations BEGIN UPDATE registry_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER registry_v_relations_del AFTER DELETE ON relations BEGIN UPDATE registry_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER registry_v_regions_ins AFTER INSERT ON regions BEGIN UPDATE registry_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER registry_v_regions_upd AFTER UPDATE ON regions BEGIN UPDATE registry_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER registry_v_regions_del AFTER DELETE ON regions BEGIN UPDATE registry_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER registry_v_units_ins AFTER INSERT ON units BEGIN UPDATE registry_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER registry_v_units_upd AFTER UPDATE ON units BEGIN UPDATE registry_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER registry_v_units_del AFTER DELETE ON units BEGIN UPDATE registry_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER registry_v_relation_kinds_ins AFTER INSERT ON relation_kinds BEGIN UPDATE registry_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER registry_v_relation_kinds_upd AFTER UPDATE ON relation_kinds BEGIN UPDATE registry_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER registry_v_relation_kinds_del AFTER DELETE ON relation_kinds BEGIN UPDATE registry_version SET n = n + 1 WHERE id = 1; END;
