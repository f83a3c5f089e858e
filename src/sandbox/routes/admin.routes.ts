import type { FastifyInstance } from 'fastify';
import { parseAssignRoleBody, parseDeactivateBody, parseEndDateBody } from '../sandbox.admin';
import { SandboxError } from '../sandbox.errors';
import type { SandboxRouteContext } from './route-context';

/** Sandbox admin under /sandbox (never part of the gateway's API): inspect the data and change roles and people. */
export async function adminRoutes(app: FastifyInstance, { admin }: SandboxRouteContext): Promise<void> {
  app.get('/sandbox', async () => ({
    vpds: admin.vpds(),
    fixtures: admin.fixtures(),
    faults: admin.faults(),
    rateLimitPerSecond: admin.rateLimit,
    watermark: admin.watermark(),
    baselineWatermark: admin.baselineWatermark(),
  }));
  app.get('/sandbox/fixtures', async () => ({ items: admin.fixtures() }));
  app.get<{ Params: { vpd: string; employeeNumber: string } }>('/sandbox/vpds/:vpd/people/:employeeNumber', async (request) => {
    const { vpd, employeeNumber } = request.params;
    return { person: admin.getPerson(vpd, employeeNumber) ?? null, roleAssignments: admin.roleAssignmentsOf(vpd, employeeNumber) };
  });
  app.post<{ Params: { vpd: string } }>('/sandbox/vpds/:vpd/role-assignments', async (request, reply) => {
    const { employeeNumber, options } = parseAssignRoleBody(request.body);
    return reply.status(201).send(admin.assignRole(request.params.vpd, employeeNumber, options));
  });
  app.get<{ Params: { id: string } }>('/sandbox/role-assignments/:id', async (request) => {
    const row = admin.getRoleAssignment(request.params.id);
    if (!row) throw SandboxError.notFound(`no role assignment ${request.params.id}`);
    return row;
  });
  app.post<{ Params: { id: string } }>('/sandbox/role-assignments/:id/end-date', async (request) =>
    admin.endDateRole(request.params.id, parseEndDateBody(request.body)),
  );
  app.delete<{ Params: { id: string } }>('/sandbox/role-assignments/:id', async (request, reply) => {
    admin.deleteRole(request.params.id);
    return reply.status(204).send();
  });
  app.post('/sandbox/client-keys', async (request, reply) => reply.status(201).send({ kid: admin.registerClientKey(request.body) }));
  app.post<{ Params: { vpd: string; employeeNumber: string } }>('/sandbox/vpds/:vpd/people/:employeeNumber/deactivate', async (request) =>
    admin.deactivatePerson(request.params.vpd, request.params.employeeNumber, parseDeactivateBody(request.body)),
  );
}
