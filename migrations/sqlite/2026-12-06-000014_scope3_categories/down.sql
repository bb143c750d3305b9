DROP TABLE bill_category_totals;
DROP TABLE bill_categories;
