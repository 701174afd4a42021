-- ogrt: OGRT.NET process tracking (Lmod).
--
-- Installed as PREFIX/share/ogrt/modulefiles/ogrt.lua. The prefix is derived from where this
-- file really lives (symlinks resolved), so the tree can be moved and this file can be linked
-- into a site's module tree. Site settings (collector address, filter rules, ...) are not
-- written here but read from PREFIX/etc/site.conf, which the Tcl modulefile `ogrt` reads too.

help([[
Tracks the processes started from this shell with OGRT.NET: preloads the agent, sets the
OGRT_* site settings and puts the watermarking linker wrapper first.
]])
whatis("OGRT.NET: track processes and watermark linked binaries")

-- PREFIX/share/ogrt/modulefiles/ogrt.lua -> PREFIX
local modulefile = abspath(myFileName())
local prefix = modulefile:match("^(.*)/share/ogrt/modulefiles/[^/]+$")
if prefix == nil then
   LmodError("ogrt: ", modulefile, " is not inside PREFIX/share/ogrt/modulefiles; link it from there instead of copying it")
end
local agent = pathJoin(prefix, "lib/libogrt.so")
local siteConf = pathJoin(prefix, "etc/site.conf")

-- Reads site.conf into an ordered list of OGRT_* settings; returns nil and the problem when
-- the file cannot be read or a line is malformed.
local function readSiteConf(path)
   local file, reason = io.open(path, "r")
   if file == nil then
      return nil, "ogrt: cannot read the site settings " .. path .. ": " .. tostring(reason)
   end
   local settings = {}
   local lineNumber = 0
   for line in file:lines() do
      lineNumber = lineNumber + 1
      line = line:gsub("\r$", "")
      if not line:find("^%s*#") and not line:find("^%s*$") then
         local name, value = line:match("^(OGRT_[A-Z0-9_]+)=(.*)$")
         if name == nil then
            file:close()
            return nil, "ogrt: " .. path .. " line " .. lineNumber .. ": expected OGRT_NAME=value, found: " .. line
         end
         settings[#settings + 1] = { name = name, value = value }
      end
   end
   file:close()
   return settings
end

-- A missing agent would make the dynamic loader complain in every process: refuse to load.
if mode() == "load" and not isFile(agent) then
   LmodError("ogrt: the agent ", agent, " is missing or unreadable; reinstall OGRT.NET")
end

-- True when dotted version `have` is below `needed` (2.28 < 2.34).
local function versionBelow(have, needed)
   local a, b = {}, {}
   for number in have:gmatch("%d+") do a[#a + 1] = tonumber(number) end
   for number in needed:gmatch("%d+") do b[#b + 1] = tonumber(number) end
   for i = 1, math.max(#a, #b) do
      local x, y = a[i] or 0, b[i] or 0
      if x ~= y then
         return x < y
      end
   end
   return false
end

-- build.sh records in lib/glibc-requirement the glibc version each node-side binary needs
-- ("lib/libogrt.so 2.17" lines). On an older node the agent would make the loader complain in
-- every process and the linker wrapper would fail every link: refuse to load below the newest.
if mode() == "load" then
   local file = io.open(pathJoin(prefix, "lib/glibc-requirement"), "r")
   if file ~= nil then
      local needed = nil
      for line in file:lines() do
         local pieceNeeds = line:match("^%S+%s+(%d+[%d.]*)%s*$")
         if pieceNeeds and (needed == nil or versionBelow(needed, pieceNeeds)) then
            needed = pieceNeeds
         end
      end
      file:close()
      -- subprocess: Lmod's sandbox has no io.popen.
      local have = (subprocess("getconf GNU_LIBC_VERSION 2>/dev/null") or ""):match("(%d+%.%d+)")
      if needed and have and versionBelow(have, needed) then
         LmodError("ogrt: this node's glibc " .. have .. " is older than OGRT.NET needs (" .. needed .. "): not loaded, nothing is tracked here")
      end
   end
end

-- A site.conf broken after loading must not keep the module from unloading.
local siteSettings, problem = readSiteConf(siteConf)
if siteSettings == nil then
   if mode() == "load" then
      LmodError(problem)
   end
   io.stderr:write(problem, "\n")
   siteSettings = {}
end

local values = { OGRT_ACTIVE = "1" }
local names = { "OGRT_ACTIVE" }
for _, setting in ipairs(siteSettings) do
   if values[setting.name] == nil then
      names[#names + 1] = setting.name
   end
   values[setting.name] = setting.value
end
for _, name in ipairs(names) do
   setenv(name, values[name])
end

prepend_path("LD_PRELOAD", agent)
prepend_path("PATH", pathJoin(prefix, "bin"))
-- The linker wrapper comes first: gcc looks for `ld` in COMPILER_PATH, other tools in PATH.
prepend_path("PATH", pathJoin(prefix, "libexec/ogrt"))
prepend_path("COMPILER_PATH", pathJoin(prefix, "libexec/ogrt"))
