-- wrk script: POST a resident's report (JSON) with a random text and a random point near a
-- compound of the demo district. POINTS="lng,lat;lng,lat;…", TOKEN=bearer token.
local points = {}
for lng, lat in string.gmatch(os.getenv("POINTS") or "", "([%d%.]+),([%d%.]+)") do
  points[#points + 1] = { tonumber(lng), tonumber(lat) }
end
local texts = {
  "楼道里的灯坏了，晚上很黑", "小区门口垃圾桶满了没人清运", "楼下水管爆了，水一直往外冒",
  "电梯停在三楼不动了", "有人在绿化带里种菜", "路边井盖松动了，车过去咣当响",
  "半夜楼上装修电钻声音很吵", "消防通道被电动车堵住了", "小区路灯一排都不亮",
  "单元门门禁坏了关不上", "楼顶漏水，家里墙皮都泡了", "门口有人占道摆摊卖水果",
  "狗在草坪上拉屎主人不清理", "餐馆油烟排到居民楼里", "共享单车堆在人行道上",
  "停车场的栏杆坏了", "自来水发黄有异味", "楼下烧烤摊烟很大", "树枝断了挂在半空很危险",
  "隔壁工地夜间施工很吵",
}
local token = os.getenv("TOKEN") or ""
math.randomseed(os.time())
request = function()
  local p = points[math.random(#points)]
  local lng = p[1] + (math.random() - 0.5) * 0.004
  local lat = p[2] + (math.random() - 0.5) * 0.003
  local body = string.format('{"text":"%s（%d号楼）","lng":%.6f,"lat":%.6f}',
    texts[math.random(#texts)], math.random(1, 30), lng, lat)
  return wrk.format("POST", wrk.path, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end
