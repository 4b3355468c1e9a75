-- wrk script: GET /api/v1/mediation/similar for a random dispute account (URL-encoded).
-- TOKEN=bearer token.
local accounts = {
  "楼上卫生间漏水，渗到我家天花板，墙皮发霉脱落，多次协商对方不肯维修也不赔偿",
  "邻居装修电钻声从早到晚，老人心脏不好，去说了几次还吵了起来",
  "单元加装电梯，一楼二楼住户坚决反对，高层住户已签字同意，双方争执不下",
  "我的车位被对门那家长期占用，说了好几次还跟我吵，说车位是大家的",
  "骑电动车被对方小车撞伤，交警认定对方全责，医药费和误工费对方一直拖着不赔",
  "在工地干了半年活，包工头一直拖欠工资，现在人也联系不上",
  "邻居借了我两万元，约定半年归还，现在逾期一年多次催要未还",
  "父亲去世后留下一套房子，兄妹三人对遗产分配意见不一，闹得很僵",
  "楼下餐馆油烟直接排到我家窗口，异味很大，多次反映没有改善",
  "孩子在学校被同学推倒受伤，家长和学校对责任和赔偿有分歧",
  "在网上买的家电有质量问题，商家拒绝退货退款",
  "老人八十多岁，几个子女互相推诿不肯赡养，老人生活困难",
}
local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
local paths = {}
for i, a in ipairs(accounts) do
  paths[i] = "/api/v1/mediation/similar?k=5&q=" .. urlencode(a)
end
local token = os.getenv("TOKEN") or ""
math.randomseed(os.time())
request = function()
  return wrk.format("GET", paths[math.random(#paths)], { ["Authorization"] = "Bearer " .. token })
end
