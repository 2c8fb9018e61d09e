-- Drives `eghact-lsp --stdio` through Neovim's own LSP client (the 0.7.2 API that Debian ships)
-- and writes what that client received as one JSON object on stdout, for `tests/neovim.rs`.
-- Headless Neovim exits 0 after a Lua error and hangs without a final quit, so every outcome
-- ends in `cquit`: 0 after the JSON was written, 1 on any error or timeout (reason on stderr).

local TIMEOUT_MS = 20000

local function env(name)
  local value = os.getenv(name)
  if value == nil or value == '' then
    error('environment variable ' .. name .. ' is not set')
  end
  return value
end

local function main()
  local file = env('EGHACT_FILE')
  local hover_line = tonumber(env('EGHACT_HOVER_LINE'))
  local hover_col = tonumber(env('EGHACT_HOVER_COL'))

  local client_id = vim.lsp.start_client({
    name = 'eghact-lsp',
    cmd = { env('EGHACT_LSP'), '--stdio' },
    root_dir = env('EGHACT_ROOT'),
  })
  if not client_id then
    error('vim.lsp.start_client failed')
  end

  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  -- Neovim knows no `.egh` extension; without this the server would see `languageId: ""`.
  vim.bo[buf].filetype = 'eghact'
  if not vim.lsp.buf_attach_client(buf, client_id) then
    error('vim.lsp.buf_attach_client failed')
  end

  local diagnostics = {}
  local received = vim.wait(TIMEOUT_MS, function()
    diagnostics = vim.diagnostic.get(buf)
    return #diagnostics > 0
  end, 20)
  if not received then
    error('no diagnostics within ' .. TIMEOUT_MS .. ' ms')
  end

  -- Hover as a user does: the cursor (1-based line, byte column) turned into protocol
  -- coordinates by Neovim itself.
  local client = vim.lsp.get_client_by_id(client_id)
  vim.api.nvim_win_set_cursor(0, { hover_line + 1, hover_col })
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  local responses, err = vim.lsp.buf_request_sync(buf, 'textDocument/hover', params, TIMEOUT_MS)
  if not responses then
    error('hover: ' .. tostring(err))
  end
  local response = responses[client_id]
  if not response or response.err or response.result == nil or response.result == vim.NIL then
    error('hover: no result at line ' .. hover_line .. ', byte ' .. hover_col .. ': ' .. vim.inspect(response))
  end
  local hover = vim.lsp.util.convert_input_to_markdown_lines(response.result.contents)

  local out = { diagnostics = {}, hover = table.concat(hover, '\n') }
  for _, d in ipairs(diagnostics) do
    table.insert(out.diagnostics, { code = d.code, lnum = d.lnum, col = d.col, message = d.message })
  end
  io.stdout:write(vim.json.encode(out), '\n')
  io.stdout:flush()

  vim.lsp.stop_client(client_id)
  if not vim.wait(TIMEOUT_MS, function() return vim.lsp.client_is_stopped(client_id) end, 20) then
    error('eghact-lsp did not stop within ' .. TIMEOUT_MS .. ' ms')
  end
end

local ok, failure = xpcall(main, debug.traceback)
if ok then
  vim.cmd('cquit 0')
else
  io.stderr:write('client.lua: ', tostring(failure), '\n')
  vim.cmd('cquit 1')
end
