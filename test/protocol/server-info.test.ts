import { describe, expect, it } from "vitest";
import { describeServer, infoJson, SERVER_VERSION } from "../../src/protocol/server-info";

const server = { id: "NEXYZ", name: "shard-0", host: "edge.example", port: 443 };

describe("server description", () => {
  it("INFO carries nats-server's fields in its order, and no connect_urls", () => {
    const json = infoJson(server, { clientId: 7, maxPayload: 1048576, authRequired: false, nonce: null, clientIp: "" });
    expect(json).toBe(
      `{"server_id":"NEXYZ","server_name":"shard-0","version":"${SERVER_VERSION}","proto":1,"go":"workerd",` +
        `"host":"edge.example","port":443,"headers":true,"max_payload":1048576,"client_id":7}`,
    );
  });

  it("INFO names authentication, the nonce and the client's address only when there are any", () => {
    const info = JSON.parse(infoJson(server, { clientId: 1, maxPayload: 10, authRequired: true, nonce: "n0nce", clientIp: "192.0.2.1" }));
    expect(info).toMatchObject({ auth_required: true, nonce: "n0nce", client_ip: "192.0.2.1" });
    expect(Object.keys(info).slice(-3)).toEqual(["auth_required", "nonce", "client_ip"]);
  });

  it("INFO is ASCII, whatever the server's name", () => {
    const json = infoJson({ ...server, name: "edge-ü" }, { clientId: 1, maxPayload: 10, authRequired: false, nonce: null, clientIp: "" });
    expect(/^[\x20-\x7e]*$/.test(json)).toBe(true);
    expect(JSON.parse(json).server_name).toBe("edge-ü");
  });

  it("/varz begins with the same fields", () => {
    expect(Object.keys(describeServer(server))).toEqual(["server_id", "server_name", "version", "proto", "go", "host", "port"]);
    expect(describeServer(server).version).toBe("2.10.0");
  });
});
