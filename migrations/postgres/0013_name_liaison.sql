-- How a French name joins "de" and "à": INSEE's type de liaison (0 "de Paris", 1 "d'Arles",
-- 2 "du Mans", 3 "de la Rochelle", 4 "des Lilas", 5 "de l'Ain", 6 "des Aubiers" for "Aux",
-- 7 "de Las", 8 "de Los"). NULL: not given; the pages then go by the name itself.
ALTER TABLE organisations ADD COLUMN liaison BIGINT CHECK (liaison BETWEEN 0 AND 8);
