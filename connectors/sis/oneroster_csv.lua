-- Reads a OneRoster 1.1 or 1.2 CSV package, given as a folder or as a .zip file.
--
-- rollbook.oneroster.open finds the package's files (at the root or in one
-- top-level folder) and reads the manifest. Each rostering file then goes to the
-- host with ctx.emit_file, so the host streams and validates it natively.

local oneroster = rollbook.oneroster

return {
    name = "oneroster_csv",
    version = "1.0.0",
    description = "OneRoster 1.1 or 1.2 CSV package in a folder or a zip file",

    settings = {
        path = {
            type = "path",
            required = true,
            description = "Folder or .zip file holding manifest.csv and the CSV files",
        },
        encoding = {
            type = "string",
            default = "utf-8",
            description = "Text encoding of the files: utf-8, or windows-1252 for legacy exports",
        },
        version = {
            type = "string",
            description = "Binding version (1.1 or 1.2) to assume when the package has no manifest.csv",
        },
    },

    check = function(ctx)
        local package, err = oneroster.open(ctx.settings.path, { version = ctx.settings.version })
        if not package then
            return nil, "cannot read the package at " .. ctx.settings.path .. ": " .. err
        end
        local present = 0
        for _, file in ipairs(package.files) do
            if file.mode ~= "absent" then
                present = present + 1
            end
        end
        rollbook.log.info("package readable", { version = package.version, files = present })
        return true
    end,

    sync = function(ctx)
        local package, err = oneroster.open(ctx.settings.path, { version = ctx.settings.version })
        if not package then
            error("cannot read the package at " .. ctx.settings.path .. ": " .. err, 0)
        end
        for _, file in ipairs(package.files) do
            if file.mode ~= "absent" then
                ctx.emit_file(file.entity, ctx.settings.path, {
                    entry = file.name,
                    mode = file.mode,
                    version = package.version,
                    encoding = ctx.settings.encoding,
                })
            end
        end
    end,
}
