SELECT rule FROM rules WHERE rule = $given OR zh_label = $given ORDER BY rule
